// The challenge page: CodeMirror on each file (the textareas work on their own without it), file tabs,
// and Ctrl/Cmd+Enter to submit.
(function () {
  "use strict";

  function submitForm(form) {
    const button = document.getElementById("submit-button");
    if (button.disabled) return;  // practice is closed while an assessment holds this challenge
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }

  function setUpTabs(form) {
    const tabs = Array.from(form.querySelectorAll('[role="tab"]'));
    function select(tab) {
      tabs.forEach((t) => {
        const on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        const panel = document.getElementById(t.getAttribute("aria-controls"));
        if (panel) panel.hidden = !on;
      });
      tab.focus();
    }
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => select(tab));
      tab.addEventListener("keydown", (e) => {
        if (e.key === "ArrowRight") select(tabs[(i + 1) % tabs.length]);
        if (e.key === "ArrowLeft") select(tabs[(i - 1 + tabs.length) % tabs.length]);
      });
    });
  }

  function setUp() {
    const form = document.getElementById("code-form");
    if (!form) return;
    setUpTabs(form);
    if (window.ProctorEditor) {
      document.querySelectorAll("textarea[data-editor]").forEach((textarea) => {
        window.ProctorEditor.mount(textarea, {onSubmit: () => submitForm(form)});
      });
    }
    // On submit the result panel comes into view, wherever the editor was scrolled to.
    document.body.addEventListener("htmx:afterSwap", (e) => {
      const panel = document.getElementById("result-panel");
      if (panel && e.detail.target === panel) {
        const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
        panel.scrollIntoView({behavior: still ? "auto" : "smooth", block: "nearest"});
      }
    });
    document.addEventListener("keydown", (e) => {
      // The editor handles its own Ctrl+Enter (and marks the event handled); don't submit twice.
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && !e.defaultPrevented) {
        e.preventDefault();
        submitForm(form);
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp); else setUp();
})();
