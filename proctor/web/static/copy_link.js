// A button with data-copy="input-id" copies that input's value; the input selects itself on focus, so the
// link can be copied by keyboard too. Delegated from the document: the invitation form swaps these in.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  input.select();
  const done = () => { button.textContent = "Copied"; };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(input.value).then(done, () => {});
  }
});
document.addEventListener("focusin", (event) => {
  if (event.target.matches && event.target.matches("input.copy-link")) event.target.select();
});
