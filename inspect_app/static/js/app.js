// Page-wide progressive enhancements: confirmations and "tick all" boxes.
document.documentElement.classList.add("js");

document.addEventListener("submit", (event) => {
  const form = event.target;
  const submitter = event.submitter;
  const message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
  // A form whose own script took the submission over (and asked, if it asks) is not asked about again.
  if (event.defaultPrevented) return;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

for (const box of document.querySelectorAll("input[data-check-all]")) {
  box.addEventListener("change", () => {
    const name = box.dataset.checkAll;
    for (const other of document.querySelectorAll(`input[type=checkbox][name="${name}"]`)) {
      other.checked = box.checked;
    }
  });
}

// A file picker styled as a button: the chosen files' names beside it.
for (const pick of document.querySelectorAll("[data-filepick]")) {
  const input = pick.querySelector("input[type=file]");
  const names = pick.querySelector("[data-filepick-names]");
  input.addEventListener("change", () => {
    const chosen = [...input.files].map((f) => f.name);
    names.textContent = chosen.length ? chosen.join("、") : names.dataset.none;
    names.classList.toggle("chosen", chosen.length > 0);
  });
}
