// The authoring form: the code fields get the candidates' editor (CodeMirror: Python highlighting, Tab
// indents). Without JS they stay plain textareas that post the same fields.
(function () {
  "use strict";

  function setUp() {
    const form = document.getElementById("pack-form");
    if (!form || !window.ProctorEditor) return;
    form.querySelectorAll("textarea[data-editor]:not([data-mounted])").forEach((textarea) => {
      textarea.dataset.mounted = "true";
      const label = textarea.labels && textarea.labels[0];
      if (label && !textarea.getAttribute("aria-label")) {
        textarea.setAttribute("aria-label", label.textContent.replace(/\s+/g, " ").trim());
      }
      const editor = window.ProctorEditor.mount(textarea, {
        onSubmit: () => (form.requestSubmit ? form.requestSubmit() : form.submit()),
      });
      // The label points at the hidden textarea: send its click to the editor instead.
      if (label) label.addEventListener("click", (e) => { e.preventDefault(); editor.view.focus(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp); else setUp();
  document.addEventListener("htmx:afterSettle", setUp);  // a re-rendered form brings new textareas
})();
