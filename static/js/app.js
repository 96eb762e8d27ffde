// Small progressive enhancements. No inline scripts: the CSP forbids them.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy], [data-copy-text]");
  if (!button) return;
  const source = button.dataset.copy ? document.querySelector(button.dataset.copy) : null;
  const text = source ? (source.value ?? source.textContent) : button.dataset.copyText;
  if (text) {
    const write = navigator.clipboard
      ? navigator.clipboard.writeText(text.trim()) : copyFallback(text.trim());
    write.then(() => {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1200);
    });
  }
});

// Let CSS hide the controls that only matter without JavaScript.
document.documentElement.classList.add("js");

function requestFailed(event, text) {
  // Said next to the form or control that failed, and in the messages region at the top.
  const elt = event.detail.elt;
  const owner = elt && elt.isConnected ? (elt.closest("form") || elt) : null;
  if (owner) {
    const old = owner.querySelector(":scope > .request-error");
    if (old) old.remove();
    const inline = document.createElement("p");
    inline.className = "field-error request-error";
    inline.setAttribute("role", "alert");
    inline.textContent = text;
    if (owner.tagName === "FORM") owner.appendChild(inline);
    else owner.insertAdjacentElement("afterend", inline);
  }
  const region = document.getElementById("messages");
  if (!region) return;
  const note = document.createElement("div");
  note.className = "message error";
  if (!owner) note.setAttribute("role", "alert");
  note.textContent = text;
  region.replaceChildren(note);
}

// A refused htmx request (4xx/5xx other than 422) is not swapped; say so instead of nothing.
document.body.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr ? event.detail.xhr.status : 0;
  requestFailed(event, status === 400
    ? "The server could not read that request: it may be too large. Paste less and try again."
    : `The server refused that request (status ${status}). Reload the page and try again.`);
});
document.body.addEventListener("htmx:sendError", (event) => {
  requestFailed(event, "The server could not be reached. Check the connection and try again.");
});
// A later successful request from the same form clears its old error.
document.body.addEventListener("htmx:afterRequest", (event) => {
  if (!event.detail.successful) return;
  const elt = event.detail.elt;
  const owner = elt && elt.isConnected ? (elt.closest("form") || elt) : null;
  const old = owner && owner.querySelector(":scope > .request-error");
  if (old) old.remove();
});

// Copy buttons: data-copy-text (the value), data-copy (a selector) or data-copy-url (fetched,
// e.g. the Markdown packet). Without the Clipboard API a hidden textarea and execCommand do it.
function copyFallback(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy-url]");
  if (!button) return;
  const label = button.textContent;
  button.classList.add("is-busy");
  fetch(button.dataset.copyUrl, { credentials: "same-origin" })
    .then((response) => {
      if (!response.ok) throw new Error(`status ${response.status}`);
      return response.text();
    })
    .then((text) => (navigator.clipboard ? navigator.clipboard.writeText(text) : copyFallback(text)))
    .then(() => { button.textContent = "Copied"; })
    .catch(() => { button.textContent = "Copy failed"; })
    .finally(() => {
      button.classList.remove("is-busy");
      setTimeout(() => { button.textContent = label; }, 1500);
    });
});

// Busy state for every htmx action: the clicked button spins, the requesting element is
// aria-busy until the answer is in (or the request failed).
document.body.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  const trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
  const submitter = trigger && trigger.submitter;
  if (elt.matches("[hx-trigger*=every]")) return; // polling: the page says it updates itself
  elt.setAttribute("aria-busy", "true");
  if (submitter) submitter.classList.add("is-busy");
  else if (elt.matches("button, a")) elt.classList.add("is-busy");
});
document.body.addEventListener("htmx:afterRequest", (event) => {
  const elt = event.detail.elt;
  elt.removeAttribute("aria-busy");
  elt.querySelectorAll(".is-busy").forEach((b) => b.classList.remove("is-busy"));
  elt.classList.remove("is-busy");
});

// Self-refreshing regions keep what the agent opened and where the keyboard was: open
// <details> and a focused <summary> are found again by the nearest id and their position.
let keptState = null;
function detailsKey(details) {
  const owner = details.parentElement.closest("[id]");
  if (!owner) return null;
  const index = Array.prototype.indexOf.call(owner.querySelectorAll("details"), details);
  return [owner.id, index];
}
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const elt = event.detail.requestConfig && event.detail.requestConfig.elt;
  // Only regions that refresh themselves (polling); a swap the agent asked for is the
  // server's to shape (a saved form closes its section).
  if (!target || !elt || !elt.matches("[hx-trigger*=every]")) return;
  const open = Array.from(target.querySelectorAll("details[open]")).map(detailsKey).filter(Boolean);
  const active = document.activeElement;
  const focused = active && active.tagName === "SUMMARY" && target.contains(active)
    ? detailsKey(active.parentElement) : null;
  keptState = { open, focused };
});
document.body.addEventListener("htmx:afterSettle", () => {
  if (!keptState) return;
  const find = ([id, index]) => {
    const owner = document.getElementById(id);
    return owner ? owner.querySelectorAll("details")[index] : null;
  };
  keptState.open.forEach((key) => { const d = find(key); if (d) d.open = true; });
  if (keptState.focused && (!document.activeElement || document.activeElement === document.body)) {
    const d = find(keptState.focused);
    const summary = d && d.querySelector("summary");
    if (summary) summary.focus({ preventScroll: true });
  }
  keptState = null;
});

// After a swap that brought back field errors, the keyboard goes to the first field in error
// when the element the agent was on is gone.
document.body.addEventListener("htmx:afterSettle", (event) => {
  const elt = event.detail.elt;
  const region = elt && elt.id ? document.getElementById(elt.id) : elt;
  if (!region || !region.isConnected) return;
  const active = document.activeElement;
  if (active && active !== document.body) return;
  const invalid = region.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
});
