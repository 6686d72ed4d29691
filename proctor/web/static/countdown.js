// The session countdown: counts down from the server's remaining seconds (not the client's clock) and reloads
// the page at zero, where the server locks the session and submits the drafts.
(function () {
  "use strict";
  function setUp() {
    const box = document.getElementById("countdown");
    if (!box || !box.dataset.remaining) return;
    const value = document.getElementById("countdown-value");
    const endsAt = performance.now() + Number(box.dataset.remaining) * 1000;
    function tick() {
      const left = Math.max(0, Math.round((endsAt - performance.now()) / 1000));
      const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      value.textContent = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
      box.classList.toggle("low", left <= 300);
      if (left === 300 || left === 60) box.setAttribute("aria-live", "assertive");
      if (left <= 0) { setTimeout(() => window.location.reload(), 1500); return; }
      setTimeout(tick, 1000);
    }
    tick();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp); else setUp();
})();
