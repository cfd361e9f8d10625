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
  // Bulk reassign says how many customers go to whom before it moves them.
  document.querySelectorAll("form[data-confirm-reassign]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const count = form.querySelectorAll("input[name=customers]:checked").length;
      const owner = form.querySelector("select[name=owner]");
      if (!count || !owner || !owner.value) return; // the server says what is missing
      const template = count === 1 ? form.dataset.confirmOne : form.dataset.confirmMany;
      const question = template
        .replace("{count}", count)
        .replace("{owner}", owner.options[owner.selectedIndex].text);
      if (!window.confirm(question)) event.preventDefault();
    });
  });
  // Print buttons: hidden without JavaScript, where the browser's own print still works.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
  // A save that returns to a place down the page (#timeline) confirms it there, where the
  // person is looking, not at the top of the page.
  const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  const notices = document.querySelectorAll("main > .alert");
  if (target && notices.length) {
    notices.forEach((notice) => target.before(notice));
    notices[0].tabIndex = -1;
    // After the browser's own jump to the fragment, which would take the focus back.
    window.addEventListener("load", () => notices[0].focus());
  }
  // A form that came back with errors puts the cursor in the first field to correct.
  const invalid = document.querySelector("form .is-invalid");
  if (invalid) invalid.focus();
  // Submit filter forms when a select changes, so filtering takes one click.
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
});
