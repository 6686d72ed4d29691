// Ordering questions: choosing a position another item holds swaps the two, so the positions stay a
// permutation, and the list is redrawn in position order. Listens in the capture phase so the swap is done
// before htmx (listening on the form's answers) reads the form to save the draft.
(() => {
  if (window.proctorOrdering) return; // the partial loads this once per ordering question
  window.proctorOrdering = true;
  document.addEventListener("change", (event) => {
    const select = event.target;
    const list = select instanceof HTMLSelectElement ? select.closest("[data-ordering]") : null;
    if (!list) return;
    const selects = [...list.querySelectorAll("select")];
    const taken = new Set(selects.map((s) => s.value));
    const free = selects.map((_, i) => String(i + 1)).find((v) => !taken.has(v));
    const other = selects.find((s) => s !== select && s.value === select.value);
    if (other && free) other.value = free;
    selects.sort((a, b) => Number(a.value) - Number(b.value)).forEach((s) => list.appendChild(s.closest("li")));
    select.focus();
    const status = list.parentElement.querySelector("[data-ordering-status]");
    const label = document.querySelector(`label[for="${select.id}"]`);
    if (status && label) status.textContent = `${label.textContent.trim()}: now position ${select.value}.`;
  }, true);
})();
