// The progress of a file check or an import: asks how far it has got every second, and loads
// the page again when the step ends. Without it, the page's own Refresh link does the same.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-import-status]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.importStatus, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.redirected) {
        window.location.reload(); // signed out meanwhile: the page says so
        return;
      }
      if (response.ok) {
        const status = await response.json();
        if (status.state !== box.dataset.state) {
          window.location.reload();
          return;
        }
        bar.value = status.percent;
        bar.textContent = `${status.percent}%`;
        text.textContent = box.dataset.textTemplate
          .replace("{done}", status.rows_done)
          .replace("{total}", status.rows_total);
      }
    } catch (error) {
      // The network blinked; the next tick asks again.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
});
