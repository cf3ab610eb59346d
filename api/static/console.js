// Meute console: the menu folded behind its button on phones, lots added and removed in the
// tender form, CPV suggestions as you type, and swapped members scored in place. JSON from the server is inserted with textContent only; the
// swap result is a fragment of a page the server rendered (and escaped).
"use strict";

const SUGGEST_DELAY_MS = 300;
const SUGGEST_COUNT = 6;

function addCode(input, code) {
  const codes = input.value.split(/[,;\s]+/).filter(Boolean);
  if (!codes.includes(code)) {
    codes.push(code);
  }
  input.value = codes.join(", ");
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

function showSuggestions(box, suggestions) {
  const buttons = suggestions.map((suggestion) => {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.code = suggestion.code;
    button.dataset.libelle = suggestion.label_fr;
    button.dataset.confiance = String(suggestion.score);
    const confidence = Math.round(suggestion.score * 100);
    button.textContent = `${suggestion.code} · ${suggestion.label_fr} (confiance ${confidence} %)`;
    button.title = "Ajouter ce code CPV au lot";
    return button;
  });
  box.replaceChildren(...buttons);
}

function wireLot(lot) {
  const box = lot.querySelector("[data-suggestions]");
  const cpvInput = lot.querySelector("[data-cpv]");
  const sources = lot.querySelectorAll("[data-suggerer]");
  let timer = null;
  let pending = null;

  async function suggest() {
    const text = Array.from(sources, (field) => field.value.trim()).join(" ").trim();
    if (pending) {
      pending.abort();
    }
    if (text.length < 3) {
      box.replaceChildren();
      return;
    }
    pending = new AbortController();
    const query = new URLSearchParams({ text: text.slice(0, 500), top: String(SUGGEST_COUNT) });
    try {
      const response = await fetch(`/cpv/suggest?${query}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: pending.signal,
      });
      if (response.ok) {
        showSuggestions(box, await response.json());
      }
    } catch (error) {
      if (error.name !== "AbortError") {
        box.replaceChildren();
      }
    }
  }

  // Suggestions listed by the script or by the server (the engine's codes to confirm).
  box.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-code]");
    if (button) {
      addCode(cpvInput, button.dataset.code);
    }
  });
  sources.forEach((field) =>
    field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(suggest, SUGGEST_DELAY_MS);
    }),
  );
  lot.querySelector("[data-retirer-lot]").addEventListener("click", () => {
    const container = lot.parentElement;
    lot.remove();
    renumberLots(container);
  });
}

function renumberLots(container) {
  container.querySelectorAll("[data-lot]").forEach((lot, index) => {
    lot.querySelector("[data-numero]").textContent = String(index + 1);
  });
}

function wireTenderForm() {
  const container = document.getElementById("lots");
  const template = document.getElementById("modele-lot");
  if (!container || !template) {
    return;
  }
  container.querySelectorAll("[data-lot]").forEach(wireLot);
  document.getElementById("ajouter-lot").addEventListener("click", () => {
    const lot = template.content.firstElementChild.cloneNode(true);
    container.append(lot);
    wireLot(lot);
    renumberLots(container);
    lot.querySelector("input").focus();
  });
}

async function evaluateSwap(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const target = form.parentElement.querySelector("[data-evaluation-resultat]");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  target.textContent = "Évaluation en cours…";
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
    });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const result = page.querySelector("[data-evaluation]");
    if (result) {
      target.replaceChildren(document.importNode(result, true));
    } else {
      target.textContent = "L'évaluation a échoué.";
    }
  } catch {
    target.textContent = "L'évaluation a échoué : le serveur ne répond pas.";
  } finally {
    button.disabled = false;
  }
}

const NARROW = window.matchMedia("(max-width: 760px)");

function wireMenu() {
  const banner = document.querySelector("[data-bandeau]");
  const button = document.querySelector("[data-menu-bouton]");
  if (!banner || !button) {
    return;
  }
  function show(open) {
    banner.dataset.menu = open ? "ouvert" : "ferme";
    button.setAttribute("aria-expanded", String(open));
  }
  show(!NARROW.matches);
  button.addEventListener("click", () => show(banner.dataset.menu === "ferme"));
  NARROW.addEventListener("change", () => show(!NARROW.matches));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && NARROW.matches && banner.dataset.menu === "ouvert") {
      show(false);
      button.focus();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  wireMenu();
  wireTenderForm();
  document.querySelectorAll("[data-lien-partage]").forEach((field) => {
    field.addEventListener("focus", () => field.select());
  });
  document.querySelectorAll("form[data-evaluer]").forEach((form) => {
    form.addEventListener("submit", evaluateSwap);
  });
});
