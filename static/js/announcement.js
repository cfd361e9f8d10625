// An announcement's progress: asks how far it has got every two seconds, and loads the page
// again when its state changes. Without it, the page's Refresh link does the same.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-announcement-progress]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.announcementProgress, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.redirected) {
        window.location.reload();
        return;
      }
      if (response.ok) {
        const progress = await response.json();
        bar.value = progress.percent;
        bar.textContent = `${progress.percent}%`;
        text.textContent = box.dataset.textTemplate
          .replace("{sent}", progress.sent)
          .replace("{failed}", progress.failed)
          .replace("{waiting}", progress.waiting);
        if (progress.state !== box.dataset.state) {
          window.location.reload();
          return;
        }
        if (progress.waiting === 0 && progress.state !== "paused") return;
      }
    } catch (error) {
      // The network blinked; the next tick asks again.
    }
    window.setTimeout(poll, 2000);
  };
  window.setTimeout(poll, 2000);
});
