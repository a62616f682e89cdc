// Tables of a zoogen site (any Sphinx theme; no dependencies, works offline):
// - every "zoo-data" table scrolls inside its own box, with its scrollbar in view and its first column fixed;
// - long names wrap after "_" and "-";
// - "zoo-sortable" tables get a labelled filter box and sort by a click on a header: numbers numerically,
//   metrics best first on the first click, missing values ("-") last in both directions; "zoo-sort-only"
//   tables (a method's tables) sort without a filter box.
(function () {
  "use strict";

  var TEXTS = {
    en: {label: "Filter", placeholder: "model, method, task or number", sort: "Sort by this column"},
    zh: {label: "筛选", placeholder: "模型、方法、任务或数字", sort: "按此列排序"}
  };
  var MISSING = "-";
  var LONG_NAME = 24;  // characters: longer cell texts get break opportunities and a width limit

  function texts() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    return TEXTS[lang.split(/[-_]/)[0]] || TEXTS.en;
  }

  function cellText(row, index) {
    var cell = row.cells[index];
    return cell ? cell.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function isMissing(text) { return text === "" || text === MISSING; }

  function leadingNumber(text) {
    var match = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(text);
    return match ? parseFloat(match[0]) : NaN;
  }

  // Order of two cell texts, `direction` 1 (ascending) or -1 (descending); missing values always last.
  function compare(a, b, direction) {
    var aMissing = isMissing(a), bMissing = isMissing(b);
    if (aMissing || bMissing) return aMissing === bMissing ? 0 : (aMissing ? 1 : -1);
    var x = leadingNumber(a), y = leadingNumber(b);
    var order;
    if (!isNaN(x) && !isNaN(y)) order = x - y;
    else if (!isNaN(x)) order = -1;
    else if (!isNaN(y)) order = 1;
    else order = a.localeCompare(b);
    return order * direction;
  }

  function breakLongNames(cell) {
    if (cell.textContent.length <= LONG_NAME) return;
    var walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    var found = [];
    while (walker.nextNode()) found.push(walker.currentNode);
    found.forEach(function (node) {
      var parts = node.nodeValue.split(/(?<=[_\-/])/);
      if (parts.length < 2) return;
      var fragment = document.createDocumentFragment();
      parts.forEach(function (part, i) {
        fragment.appendChild(document.createTextNode(part));
        if (i < parts.length - 1) fragment.appendChild(document.createElement("wbr"));
      });
      node.parentNode.replaceChild(fragment, node);
    });
    var wrap = document.createElement("div");  // bounds the width: a table cell's own max-width is ignored
    wrap.className = "zoo-wrap";
    while (cell.firstChild) wrap.appendChild(cell.firstChild);
    cell.appendChild(wrap);
    cell.classList.add("zoo-long");
  }

  function scrollBox(table) {
    var parent = table.parentNode;
    if (parent.classList && parent.classList.contains("zoo-table-scroll")) return parent;
    var box = document.createElement("div");
    box.className = "zoo-table-scroll";
    box.tabIndex = 0;  // scrollable with the keyboard
    parent.insertBefore(box, table);
    box.appendChild(table);
    return box;
  }

  function bestFirst(table, index) {
    if (table.classList.contains("zoo-best-high-" + index)) return -1;
    if (table.classList.contains("zoo-best-low-" + index)) return 1;
    return 0;
  }

  function addFilter(table, box, body) {
    var t = texts();
    var wrapper = document.createElement("div");
    wrapper.className = "zoo-filter-box";
    var id = "zoo-filter-" + Math.random().toString(36).slice(2, 8);
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = t.label;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "zoo-filter";
    input.placeholder = t.placeholder;
    input.autocomplete = "off";
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    box.parentNode.insertBefore(wrapper, box);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(body.rows, function (row) {
        var text = row.textContent.toLowerCase();
        row.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
    });
  }

  function addSort(table, body) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    var t = texts();
    Array.prototype.forEach.call(headers, function (th, index) {
      th.tabIndex = 0;
      th.title = t.sort;
      function sort() {
        var best = bestFirst(table, index);
        var current = th.getAttribute("aria-sort");
        var direction;
        if (current === "ascending") direction = -1;
        else if (current === "descending") direction = 1;
        else direction = best || 1;  // first click: best first for a metric, else ascending
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
        var rows = Array.prototype.map.call(body.rows, function (row, position) {
          return {row: row, position: position, text: cellText(row, index)};
        });
        rows.sort(function (a, b) { return compare(a.text, b.text, direction) || a.position - b.position; });
        rows.forEach(function (item) { body.appendChild(item.row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }

  function enhance(table) {
    var box = scrollBox(table);
    var body = table.tBodies[0];
    if (!body) return;
    Array.prototype.forEach.call(body.rows, function (row) {
      Array.prototype.forEach.call(row.cells, breakLongNames);
    });
    if (table.classList.contains("zoo-sortable")) {
      addFilter(table, box, body);
      addSort(table, body);
    } else if (table.classList.contains("zoo-sort-only")) {  // a method's table: sorts, no filter box
      addSort(table, body);
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("table.zoo-data"), enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
