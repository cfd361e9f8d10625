// Rapport: small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // "Select all" checkbox for bulk actions on lists.
  document.querySelectorAll("[data-select-all]").forEach((toggle) => {
    toggle.addEventListener("change", () => {
      document.querySelectorAll(toggle.dataset.selectAll).forEach((box) => {
        box.checked = toggle.checked;
      });
    });
  });
  // Submit filter forms when a select changes, so filtering takes one click.
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
});
