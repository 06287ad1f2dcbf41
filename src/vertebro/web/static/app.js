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
// The next fracture block's index goes with the request for it (here, not in an hx-vals
// expression: the Content-Security-Policy allows no eval).
document.addEventListener("htmx:configRequest", function (event) {
  if (event.detail.elt && event.detail.elt.hasAttribute("data-fracture-index")) {
    event.detail.parameters.index = document.querySelectorAll("#fractures > fieldset.fracture").length;
  }
});
document.addEventListener("htmx:afterSwap", function (event) {
  var added = document.querySelectorAll("#fractures > fieldset.fracture");
  var last = added[added.length - 1];
  if (last && event.detail.target && event.detail.target.id === "fractures") {
    var first = last.querySelector("select, input");
    if (first) { first.focus(); }
  }
});
