// Progressive enhancement for the cite page: a "Copy" button beside each citation text, only where scripts run.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll(".citation-form").forEach(function (form) {
    var field = form.querySelector(".citation-text");
    var label = form.querySelector("label");
    var button = document.createElement("button");
    var status = document.createElement("span");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy " + label.textContent);
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        status.textContent = "Copied";
      }, function () {
        field.select();
        status.textContent = "Select and copy the text";
      });
    });
    field.after(button, status);
  });
})();
