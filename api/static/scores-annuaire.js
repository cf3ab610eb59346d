// Meute console: the CPV codes each lot will be matched on, shown with their labels (and the
// engine's confidence when taken from a suggestion) and removed one by one; a warning when a lot
// has none; and the time a long search has taken. Text is inserted with textContent only.
"use strict";

const known = new Map(); // code -> {label, confidence}

function typedCodes(input) {
  return input.value.split(/[,;\s]+/).filter(Boolean);
}

function chip(code, input) {
  const item = document.createElement("li");
  const entry = known.get(code);
  item.dataset.code = code;
  item.append(`${code} · ${entry ? entry.label || "code inconnu du CPV 2008" : "…"}`);
  if (entry && entry.confidence !== undefined) {
    const confidence = document.createElement("span");
    confidence.className = "confiance";
    confidence.textContent = `confiance ${Math.round(entry.confidence * 100)} %`;
    item.append(" ", confidence);
  }
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = "×";
  remove.title = "Retirer ce code";
  remove.setAttribute("aria-label", `Retirer le code ${code}`);
  remove.addEventListener("click", () => {
    input.value = typedCodes(input)
      .filter((other) => other !== code)
      .join(", ");
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  item.append(remove);
  return item;
}

async function fetchLabels(codes) {
  const query = new URLSearchParams({ codes: codes.join(",") });
  try {
    const response = await fetch(`/console/cpv/libelles?${query}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      return false;
    }
    const labels = await response.json();
    for (const code of codes) {
      known.set(code, { label: labels[code] ?? null });
    }
    return true;
  } catch {
    return false;
  }
}

async function showCodes(lot) {
  const input = lot.querySelector("[data-cpv]");
  const list = lot.querySelector("[data-codes]");
  const warning = lot.querySelector("[data-sans-code]");
  if (!input || !list) {
    return;
  }
  const codes = typedCodes(input);
  const unknown = codes.filter((code) => !known.has(code));
  list.replaceChildren(...codes.map((code) => chip(code, input)));
  warning.hidden = codes.length > 0;
  if (unknown.length && (await fetchLabels(unknown))) {
    list.replaceChildren(...typedCodes(input).map((code) => chip(code, input)));
  }
}

function wireCodes() {
  const container = document.getElementById("lots");
  if (!container) {
    return;
  }
  // Labels the server already gave (codes of a stored tender, or typed and sent back).
  container.querySelectorAll("[data-codes] li[data-code]").forEach((item) => {
    known.set(item.dataset.code, { label: item.dataset.libelle || null });
  });
  // A suggestion clicked: remember its label and confidence before the code is added.
  document.addEventListener(
    "click",
    (event) => {
      const button = event.target.closest("[data-suggestions] button[data-code]");
      if (button) {
        known.set(button.dataset.code, {
          label: button.dataset.libelle || null,
          confidence: Number(button.dataset.confiance),
        });
      }
    },
    true,
  );
  const refresh = (event) => {
    if (event.target.matches("[data-cpv]")) {
      showCodes(event.target.closest("[data-lot]"));
    }
  };
  container.addEventListener("change", refresh);
  container.addEventListener("input", refresh);
  container.querySelectorAll("[data-lot]").forEach(showCodes);
  new MutationObserver((changes) => {
    for (const change of changes) {
      change.addedNodes.forEach((node) => {
        if (node.nodeType === Node.ELEMENT_NODE && node.matches("[data-lot]")) {
          showCodes(node);
        }
      });
    }
  }).observe(container, { childList: true });
}

function wireSearchProgress() {
  document.querySelectorAll("form[data-recherche]").forEach((form) => {
    form.addEventListener("submit", () => {
      const waiting = document.querySelector("[data-attente]");
      const elapsed = waiting.querySelector("[data-ecoule]");
      const started = Date.now();
      waiting.hidden = false;
      setInterval(() => {
        elapsed.textContent = String(Math.round((Date.now() - started) / 1000));
      }, 1000);
    });
  });
}

function wireThemeCodes() {
  const button = document.querySelector("[data-reprendre-codes]");
  const themes = document.querySelector("textarea[data-themes]");
  if (button && themes) {
    button.addEventListener("click", () => {
      themes.value = button.dataset.lignes;
      themes.focus();
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  wireCodes();
  wireThemeCodes();
  wireSearchProgress();
});
