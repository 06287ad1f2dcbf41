// vertebro web app: the small things htmx does not do (progressive: every page works without it).
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target instanceof HTMLElement && target.hasAttribute("data-print")) {
    window.print();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
document.addEventListener("htmx:afterSwap", function (event) {
  var added = document.querySelectorAll("#fractures > fieldset.fracture");
  var last = added[added.length - 1];
  if (last && event.detail.target && event.detail.target.id === "fractures") {
    var first = last.querySelector("select, input");
    if (first) { first.focus(); }
  }
});
