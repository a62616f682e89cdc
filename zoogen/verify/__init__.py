"""``zoogen verify``: fetch, load safely, evaluate, time, judge and record each model of a zoo."""
