/* verify report: index filters and search, copy buttons. No network, no dependencies.
   Without JavaScript every claim is listed and the pages stay fully readable. */
(function () {
  "use strict";
  var form = document.querySelector("form.filters");
  if (form) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("table.claims tbody tr"));
    var search = document.getElementById("f-search");
    var selects = { status: document.getElementById("f-status"), kind: document.getElementById("f-kind"),
                    note: document.getElementById("f-note") };
    var count = document.getElementById("f-count");
    var apply = function () {
      var q = search.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var ok = (!q || row.getAttribute("data-search").indexOf(q) !== -1);
        Object.keys(selects).forEach(function (key) {
          var want = selects[key].value;
          if (want && row.getAttribute("data-" + key) !== want) { ok = false; }
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " shown";
      var state = [q, selects.status.value, selects.kind.value, selects.note.value];
      try { history.replaceState(null, "", state.some(Boolean) ? "#f=" + encodeURIComponent(JSON.stringify(state)) : "#claims"); } catch (e) { /* file:// may refuse */ }
    };
    var restore = function () {
      var m = /^#f=(.*)$/.exec(location.hash);
      if (!m) { return; }
      try {
        var s = JSON.parse(decodeURIComponent(m[1]));
        search.value = s[0] || ""; selects.status.value = s[1] || "";
        selects.kind.value = s[2] || ""; selects.note.value = s[3] || "";
      } catch (e) { /* ignore a malformed hash */ }
    };
    form.hidden = false;
    restore();
    search.addEventListener("input", apply);
    Object.keys(selects).forEach(function (key) { selects[key].addEventListener("change", apply); });
    if (/^#f=/.test(location.hash)) { apply(); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("button.copy[data-copy]"), function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent;
      var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
      var fallback = function () {
        var range = document.createRange();
        range.selectNodeContents(target);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        try { if (document.execCommand("copy")) { done(); return; } } catch (e) { /* ignore */ }
        button.textContent = "Press Ctrl+C";
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else { fallback(); }
    });
  });
}());
