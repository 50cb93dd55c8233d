/* salesnb: sortable and filterable report tables, offline, no library.
   Headers sort on click (or Enter); numbers sort by the raw value in data-v, text as written.
   Tables of 10+ rows get a filter box. Labels are filled in per report language. */
(function () {
  "use strict";
  var labels = __LABELS__;
  function numberOf(cell) {
    var v = cell ? cell.getAttribute("data-v") : null;
    return v === null || v === "" ? null : parseFloat(v);
  }
  function compare(a, b) {
    var x = numberOf(a), y = numberOf(b);
    if (x !== null && y !== null) return x - y;
    if (x !== null) return -1;
    if (y !== null) return 1;
    return (a ? a.textContent : "").localeCompare(b ? b.textContent : "", undefined, { numeric: true });
  }
  function enhance(table) {
    var body = table.tBodies[0];
    if (!body || body.rows.length < 2 || !table.tHead) return;
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, column) {
      th.classList.add("snb-sortable");
      th.tabIndex = 0;
      th.title = labels.sortHint;
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r, s) {
          var c = compare(r.cells[column], s.cells[column]);
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
    if (body.rows.length >= 10) {
      var input = document.createElement("input");
      input.type = "search";
      input.className = "snb-filter";
      input.placeholder = labels.filter;
      input.setAttribute("aria-label", labels.filter);
      input.addEventListener("input", function () {
        var query = input.value.trim().toLowerCase();
        Array.prototype.forEach.call(body.rows, function (r) {
          r.hidden = query !== "" && r.textContent.toLowerCase().indexOf(query) < 0;
        });
      });
      var box = table.parentNode.classList.contains("snb-scroll") ? table.parentNode : table;
      box.parentNode.insertBefore(input, box);
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.snb-table"), enhance);
})();
