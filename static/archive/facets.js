// Progressive enhancement for the search page: on a phone the facets, shown after the results, are folded
// (unless a filter is chosen, so that it stays in view); on a wide screen they stand open beside the results.
// Without scripts they are simply open everywhere.
(function () {
  "use strict";
  var facets = document.querySelector("details.facets");
  if (!facets || !window.matchMedia) {
    return;
  }
  var phone = window.matchMedia("(max-width: 48rem)");
  function fit() {
    facets.open = !phone.matches || facets.hasAttribute("data-filtered");
  }
  fit();
  phone.addEventListener("change", fit);
})();
