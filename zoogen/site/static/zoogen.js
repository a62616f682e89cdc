// Language switch of a zoogen site, with any Sphinx theme.
// The page names its other languages in <link rel="alternate" hreflang=... data-zoogen-lang=...>. Themes
// whose layout has no switch of zoogen's (furo, for one) get one at the top of the content. Every switch link
// keeps the page's query and anchor: the search page in the other language searches for the same words.
(function () {
  "use strict";

  var CONTENT = ["[role=main]", "main article", "article", "main", ".body", ".document", "body"];

  function buildSwitch() {
    var alternates = document.querySelectorAll("link[rel=alternate][data-zoogen-lang]");
    if (!alternates.length) return null;
    var nav = document.createElement("nav");
    nav.className = "zoogen-lang-switch";
    nav.setAttribute("aria-label", "Language");
    Array.prototype.forEach.call(alternates, function (link) {
      var item;
      if (link.hasAttribute("data-zoogen-current")) {
        item = document.createElement("span");
        item.className = "current";
      } else {
        item = document.createElement("a");
        item.href = link.getAttribute("href");
        item.hreflang = link.getAttribute("hreflang");
      }
      item.lang = link.getAttribute("hreflang");  // BCP 47 (zh-CN)
      item.textContent = link.getAttribute("title");
      nav.appendChild(item);
    });
    for (var i = 0; i < CONTENT.length; i++) {
      var content = document.querySelector(CONTENT[i]);
      if (content) { content.insertBefore(nav, content.firstChild); break; }
    }
    return nav;
  }

  function start() {
    var switches = document.querySelectorAll(".zoogen-lang-switch");
    if (!switches.length) {
      var built = buildSwitch();
      switches = built ? [built] : [];
    }
    var keep = window.location.search + window.location.hash;
    if (!keep) return;
    Array.prototype.forEach.call(switches, function (nav) {
      Array.prototype.forEach.call(nav.querySelectorAll("a[href]"), function (a) {
        a.setAttribute("href", a.getAttribute("href").split(/[?#]/)[0] + keep);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
