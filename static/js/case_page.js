// The customer's case page tells staff when the customer last looked. A person's browser says
// so once the page has loaded; a link scanner or prefetcher fetching the page does not, and
// reading the page itself never writes.
document.addEventListener("DOMContentLoaded", () => {
  const page = document.querySelector("[data-case-seen]");
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!page || !token) return;
  fetch(page.dataset.caseSeen, {
    method: "POST",
    headers: { "X-CSRFToken": token.value },
    credentials: "same-origin",
  }).catch(() => {});  // not worth troubling the customer about
});
