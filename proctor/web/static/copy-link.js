// "Copy link" buttons: <button data-copy-from="input-id">. Copies the input's text and says so. Delegated from
// the document, because the invitation notice arrives in an htmx swap.
(function () {
  "use strict";

  function fallbackCopy(input) {
    input.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  function report(button, copied) {
    const status = button.parentElement.querySelector(".copy-status");
    button.textContent = copied ? "Copied" : "Copy link";
    if (status) status.textContent = copied ? "Link copied to the clipboard." : "Press Ctrl+C (⌘C) to copy the selected link.";
  }

  document.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-copy-from]");
    if (!button) return;
    const input = document.getElementById(button.dataset.copyFrom);
    if (!input) return;
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(() => report(button, true),
                                                      () => report(button, fallbackCopy(input)));
    } else {
      report(button, fallbackCopy(input));
    }
  });

  // Focusing the link selects all of it, ready for Ctrl+C.
  document.addEventListener("focusin", (e) => {
    if (e.target.matches && e.target.matches("input.copy-link")) e.target.select();
  });
})();
