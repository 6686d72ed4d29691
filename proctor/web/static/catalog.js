// The catalog's filters follow the address. After Back, htmx puts the list back from its history cache, but
// the <select>s and the search box come back as the page was first rendered ("All", empty), so they are set
// from the URL again.
(function () {
  "use strict";
  function syncFilters() {
    const form = document.querySelector("form.filters");
    if (!form) return;
    const params = new URLSearchParams(window.location.search);
    form.querySelectorAll("select").forEach((select) => {
      const wanted = params.get(select.name) || "";
      const known = Array.from(select.options).some((option) => option.value === wanted);
      select.value = known ? wanted : "";
    });
    form.querySelectorAll("input[type=search]").forEach((input) => { input.value = params.get(input.name) || ""; });
  }
  document.addEventListener("htmx:historyRestore", syncFilters);
  window.addEventListener("pageshow", syncFilters);
})();
