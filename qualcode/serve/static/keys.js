// qualcode review: keys act on the first suggestion still listed (a accept, r reject) or, when
// coding blind, n sends the checklist. Written for qualcode; no framework.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  var tag = (event.target && event.target.tagName) || "";
  if (tag === "INPUT" && event.target.type !== "checkbox") return;
  var button = document.querySelector('button[data-key="' + event.key + '"]');
  if (button) {
    event.preventDefault();
    button.click();
  }
});
