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
  action.addEventListener("change", () => { showFields(); count(); });
  form.addEventListener("change", count);
  showFields();
  count();
}
