// A timed session's editor page: tell the interviewer's report about large pastes and about leaving the tab.
// Candidates are told at Start. The server caps and rate-limits these reports; a failed one is dropped.
(function () {
  "use strict";
  const MIN_PASTE = 40;  // characters: a name or a line is ordinary editing

  function setUp() {
    const form = document.querySelector("form[data-activity-url]");
    if (!form) return;
    const url = form.dataset.activityUrl;
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");

    function send(kind, chars) {
      const body = new URLSearchParams({kind: kind});
      if (chars) body.set("chars", String(chars));
      // keepalive: the report of leaving the tab must survive the page being hidden or closed.
      fetch(url, {method: "POST", body: body, headers: headers, credentials: "same-origin", keepalive: true})
        .catch(() => {});
    }

    function inserted(e) {
      const data = e.clipboardData || e.dataTransfer;
      const text = data ? data.getData("text/plain") : "";
      if (text.length >= MIN_PASTE) send("paste", text.length);
    }
    // Capture: the editor handles paste and drop itself, and we only listen.
    form.addEventListener("paste", inserted, true);
    form.addEventListener("drop", inserted, true);
    document.addEventListener("visibilitychange", () => send(document.hidden ? "left" : "returned"));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp); else setUp();
})();
