// Shared helpers for every page. Kept tiny and dependency-free.
"use strict";

(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');

  // fetch() that always carries the CSRF token and asks for JSON.
  window.ccFetch = function (url, options) {
    const opts = Object.assign({ credentials: "same-origin" }, options || {});
    opts.headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
    if (meta && opts.method && opts.method.toUpperCase() !== "GET") {
      opts.headers["X-CSRF-Token"] = meta.content;
    }
    return fetch(url, opts);
  };

  // Move focus to the first invalid field so keyboard and screen-reader users land on the problem.
  document.addEventListener("DOMContentLoaded", function () {
    const invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    // On a phone the chosen day can sit outside the scrolled day strip: bring it into view.
    const day = document.querySelector('.day-strip [aria-current="date"]');
    if (day) day.scrollIntoView({ block: "nearest", inline: "center" });
  });
})();
