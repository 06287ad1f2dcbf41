// Phone width: each data table becomes a stack of cards, one per row, every value after its
// column's name. Here each cell gets its column heading as data-label (app.css draws it at
// narrow widths); without this script the tables scroll sideways inside their own box.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table.grid:not(.worklist)").forEach(function (table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) { return; }
    var names = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      for (var i = 0; i < (cell.colSpan || 1); i++) { names.push(cell.textContent.trim()); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && names[column]) {
            cell.setAttribute("data-label", names[column]);
            var value = document.createElement("div");  // one grid item beside the label
            value.className = "cell-value";
            while (cell.firstChild) { value.appendChild(cell.firstChild); }
            cell.appendChild(value);
          }
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("stacked");
  });
});
