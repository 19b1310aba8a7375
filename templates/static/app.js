// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Move keyboard focus to an error summary so screen-reader users hear it first.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Drag and drop to reorder on the edit page: dropping submits the same "move" the buttons do.
  const list = document.querySelector(".edit-list");
  const form = document.querySelector(".edit-form");
  if (!list || !form) return;
  let dragged = null;
  list.querySelectorAll(".edit-item").forEach((item) => {
    item.setAttribute("draggable", "true");
    item.addEventListener("dragstart", () => {
      dragged = item;
      item.classList.add("dragging");
    });
    item.addEventListener("dragend", () => item.classList.remove("dragging"));
    item.addEventListener("dragover", (event) => event.preventDefault());
    item.addEventListener("drop", (event) => {
      event.preventDefault();
      if (!dragged || dragged === item) return;
      const items = [...list.querySelectorAll(".edit-item")];
      const to = items.indexOf(item);
      const action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.value = `move:${dragged.dataset.session}:${to}`;
      form.appendChild(action);
      form.submit();
    });
  });
});
