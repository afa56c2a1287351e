// The report job page: poll the job's status until the document is ready or has failed.
const box = document.getElementById("report-job");

if (box) {
  const label = document.getElementById("job-label");
  const count = document.getElementById("job-count");
  const bar = document.getElementById("job-progress");
  const error = document.getElementById("job-error");
  const download = document.getElementById("job-download");
  const number = document.getElementById("job-number");

  async function poll() {
    let state;
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      state = await response.json();
    } catch {
      window.setTimeout(poll, 5000);
      return;
    }
    label.textContent = state.label;
    count.textContent = state.total ? `${state.done} / ${state.total}` : "";
    bar.value = state.percent;
    if (state.doc_number && number) {
      number.querySelector("strong").textContent = state.doc_number;
      number.hidden = false;
    }
    if (state.status === "done" && state.download) {
      download.hidden = false;
      download.querySelector("a").href = state.download;
      return;
    }
    if (state.status === "failed") {
      error.hidden = false;
      error.textContent = `${box.dataset.msgFailed} ${state.error || ""}`;
      return;
    }
    window.setTimeout(poll, 1500);
  }

  if (download.hidden && error.hidden) poll();
}
