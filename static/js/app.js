// Small progressive enhancements. No inline scripts: the CSP forbids them.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  const text = source ? (source.value ?? source.textContent) : button.dataset.copyText;
  if (text && navigator.clipboard) {
    navigator.clipboard.writeText(text.trim()).then(() => {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1200);
    });
  }
});

// Let CSS hide the controls that only matter without JavaScript.
document.documentElement.classList.add("js");

// A refused htmx request (4xx/5xx other than 422) is not swapped; say so instead of nothing.
document.body.addEventListener("htmx:responseError", (event) => {
  const region = document.getElementById("messages");
  if (!region) return;
  const status = event.detail.xhr ? event.detail.xhr.status : 0;
  const note = document.createElement("div");
  note.className = "message error";
  note.setAttribute("role", "alert");
  note.textContent = status === 400
    ? "The server could not read that request: it may be too large. Paste less and try again."
    : `The server refused that request (status ${status}). Reload the page and try again.`;
  region.replaceChildren(note);
});
