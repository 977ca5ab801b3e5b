// The owner console works without this file; it only adds small conveniences.
//   data-confirm="text" on a form or a button: ask before submitting.
//   data-poll-url="/path" on an element: replace its content with that URL's HTML
//     fragment every few seconds (data-poll-seconds, default 3) until the fragment
//     no longer carries data-poll-url itself (the job is done).
(function () {
  "use strict";

  function confirmSubmit(event) {
    var submitter = event.submitter;
    var text = (submitter && submitter.getAttribute("data-confirm")) ||
      event.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) {
      event.preventDefault();
    }
  }

  function poll(element) {
    var url = element.getAttribute("data-poll-url");
    var seconds = parseInt(element.getAttribute("data-poll-seconds") || "3", 10);
    if (!url) {
      return;
    }
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("[data-poll-url]");
          element.innerHTML = fresh ? fresh.innerHTML : html;
          if (fresh) {
            element.setAttribute("data-poll-url", fresh.getAttribute("data-poll-url"));
            poll(element);
          } else {
            element.removeAttribute("data-poll-url");
          }
        })
        .catch(function () {
          // Keep what the page shows; a reload shows the current state.
          element.setAttribute("data-poll-seconds", String(Math.min(seconds * 2, 60)));
          poll(element);
        });
    }, seconds * 1000);
  }

  document.addEventListener("submit", confirmSubmit, true);
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-poll-url]"), poll);
  });
})();
