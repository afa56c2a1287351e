// Roster checks: upload with a progress bar, then follow the check's progress until it is done.
const form = document.getElementById("run-form");

if (form) {
  const box = form.querySelector(".uploadstate");
  const bar = document.getElementById("upload-progress");
  const message = document.getElementById("upload-message");
  const button = form.querySelector("button.primary");

  const show = (text, bad) => {
    box.hidden = false;
    message.textContent = text;
    message.classList.toggle("bad", Boolean(bad));
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    let total = 0;
    for (const value of data.values()) {
      if (value instanceof File) total += value.size;
    }
    if (total > Number(form.dataset.maxBytes)) {
      show(form.dataset.msgTooLarge, true);
      return;
    }
    const request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRFToken", form.querySelector("input[name=csrf_token]").value);
    request.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.round((100 * e.loaded) / e.total);
      bar.value = percent;
      show(`${form.dataset.msgUploading} ${percent}%`);
    });
    request.addEventListener("load", () => {
      let body = {};
      try {
        body = JSON.parse(request.responseText);
      } catch (error) {
        body = {};
      }
      if (request.status >= 200 && request.status < 300 && body.url) {
        window.location.assign(body.url);
        return;
      }
      button.disabled = false;
      const details = (body.details || []).join("\n");
      show([body.error || form.dataset.msgFailed, details].filter(Boolean).join("\n"), true);
    });
    request.addEventListener("error", () => {
      button.disabled = false;
      show(form.dataset.msgFailed, true);
    });
    button.disabled = true;
    bar.value = 0;
    show(`${form.dataset.msgUploading} 0%`);
    request.send(data);
  });
}

const progress = document.getElementById("run-progress");

if (progress) {
  const bar = progress.querySelector("progress");
  const stage = progress.querySelector(".savestate");
  const poll = async () => {
    try {
      const response = await fetch(progress.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const body = await response.json();
      bar.value = body.progress;
      stage.textContent = `${body.stage} ${body.progress}%`;
      if (!body.pending) {
        window.location.reload();
        return;
      }
    } catch (error) {
      // A dropped connection: keep trying.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 700);
}
