// A form with data-confirm="Question?" asks before it is sent; "Cancel" keeps the page as it is.
// (The Content-Security-Policy forbids inline onsubmit handlers, so the question lives in the markup.)
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);
