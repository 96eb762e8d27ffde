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
