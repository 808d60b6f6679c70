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

  // The phone header's menu (disclosure pattern): the button shows and hides the nav, Escape
  // closes it and gives the focus back to the button, and so does a click or focus outside.
  // On wide screens the button is hidden by CSS and the nav is always shown.
  function setUpMenu() {
    const button = document.getElementById("menu-button");
    const nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    const header = button.closest("header");
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    }
    const isOpen = () => button.getAttribute("aria-expanded") === "true";
    button.addEventListener("click", () => setOpen(!isOpen()));
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !isOpen()) return;
      setOpen(false);
      button.focus();
    });
    document.addEventListener("click", (event) => {
      if (isOpen() && !header.contains(event.target)) setOpen(false);
    });
    header.addEventListener("focusout", (event) => {
      if (isOpen() && event.relatedTarget && !header.contains(event.relatedTarget)) setOpen(false);
    });
  }

  // Move focus to the first invalid field so keyboard and screen-reader users land on the problem.
  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    const invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    // On a phone the chosen day can sit outside the scrolled day strip: bring it into view.
    const day = document.querySelector('.day-strip [aria-current="date"]');
    if (day) day.scrollIntoView({ block: "nearest", inline: "center" });
  });
})();
