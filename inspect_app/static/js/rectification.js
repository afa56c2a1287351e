// The rectification list: show the inputs the chosen bulk action needs, and count the ticked rows.
const bar = document.querySelector("[data-bulkbar]");
if (bar) {
  const form = bar.closest("form");
  const action = bar.querySelector("[data-bulk-action]");
  const ticked = bar.querySelector("[data-ticked]");
  const fields = bar.querySelectorAll("[data-for]");
  const apply = bar.querySelector("button");

  const showFields = () => {
    for (const field of fields) {
      const wanted = field.dataset.for.split(" ").includes(action.value);
      field.hidden = !wanted;
      for (const input of field.querySelectorAll("input")) input.disabled = !wanted;
    }
  };
  const count = () => {
    const n = form.querySelectorAll("input[name=rect_id]:checked").length;
    ticked.textContent = n ? bar.dataset.tickedLabel.replace("{n}", String(n)) : "";
    apply.disabled = n === 0 || !action.value;
  };
  // What the action needs is checked before anything asks for confirmation (app.js asks on the document,
  // after this listener on the form): a missing date is said beside its field and nothing is asked.
  const due = bar.querySelector("input[name=due_on]");
  const dueError = bar.querySelector("[data-due-error]");
  const clearDueError = () => {
    dueError.hidden = true;
    dueError.textContent = "";
    due.removeAttribute("aria-invalid");
  };
  form.addEventListener("submit", (event) => {
    if (action.value === "deadline" && !due.value) {
      event.preventDefault();
      event.stopPropagation();
      dueError.textContent = dueError.dataset.message;
      dueError.hidden = false;
      due.setAttribute("aria-invalid", "true");
      due.focus();
    }
  });
  due.addEventListener("input", clearDueError);
  action.addEventListener("change", () => { clearDueError(); showFields(); count(); });
  form.addEventListener("change", count);
  showFields();
  count();
}
