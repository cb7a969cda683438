// qualcode review keys, as in the terminal app: the highlighted suggestion (j / k or its digit
// pick it; it is the ticked one of the list) is what a, r and c act on, through the one action
// bar; x, +, *, m, ?, u and n act on the segment. When coding blind, j / k move between the
// checklist's codes and space ticks one. While a segment is open, what other reviewers decide
// on it is marked every few seconds. Written for qualcode; no framework.
(function () {
  "use strict";
  var current = 0;

  function rows() {
    var list = document.querySelectorAll("li.suggestion[data-open]");
    if (list.length) return list;
    return document.querySelectorAll("#checklist label");
  }

  function highlight(index) {
    var list = rows();
    if (!document.querySelector("li.suggestion[data-open]")) {  // all decided, by others too
      var acts = document.querySelectorAll('#actions [data-act], #actions button[value="change"]');
      for (var j = 0; j < acts.length; j++) if (acts[j].tagName === "BUTTON") acts[j].disabled = true;
    }
    if (!list.length) return null;
    current = Math.max(0, Math.min(index, list.length - 1));
    for (var i = 0; i < list.length; i++) {
      list[i].classList.toggle("current", i === current);
      if (i === current) list[i].setAttribute("aria-current", "true");
      else list[i].removeAttribute("aria-current");
    }
    var row = list[current];
    var radio = row.querySelector("input[type=radio]");
    if (radio) radio.checked = true;
    var accept = document.querySelector('#actions [data-act="accept"]');
    if (accept) accept.disabled = row.hasAttribute("data-topic");  // a topic is no code
    var box = row.querySelector("input[type=checkbox]");
    if (box) box.focus();
    return row;
  }

  function press(selector) {
    var button = document.querySelector(selector);
    if (button && !button.disabled) button.click();
    return !!button;
  }

  function pick(mode) {  // c and +: the action bar's code list, for a change or an addition
    var select = document.getElementById("code-pick");
    if (!select) return false;
    if (mode === "change" && !document.querySelector('#actions button[value="change"]')) return false;
    select.dataset.mode = mode;
    select.focus();
    return true;
  }

  function typing(target) {
    var tag = (target && target.tagName) || "";
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "checkbox" && target.type !== "radio");
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.tagName === "TEXTAREA") {
      event.preventDefault();  // Ctrl+Enter saves a memo
      if (target.form) target.form.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(target)) {
      if (event.key === "Escape") target.blur();
      else if (event.key === "Enter" && target.id === "code-pick") {
        event.preventDefault();
        var mode = target.dataset.mode || "change";
        press('#actions button[value="' + mode + '"]') || press('#actions button[value="add"]');
      }
      return;
    }
    var row = rows()[current];
    var done = true;
    if (/^[1-9]$/.test(event.key) && document.querySelector("li.suggestion[data-open]")) {
      highlight(Number(event.key) - 1);
      event.preventDefault();
      return;
    }
    switch (event.key) {
      case "j": highlight(current + 1); break;
      case "k": highlight(current - 1); break;
      case "a": done = !!row && press('#actions [data-act="accept"]'); break;
      case "r": done = !!row && press('#actions [data-act="reject"]'); break;
      case "c": done = !!row && pick("change"); break;
      case "+": case "=": done = pick("add"); break;
      case "m": {
        var memo = document.getElementById("memo");
        if (memo) memo.focus(); else done = false;
        break;
      }
      case "?": case "i": {
        var details = row && row.querySelector("details");
        if (details) details.open = !details.open; else done = false;
        break;
      }
      default:
        done = press('button[data-key="' + event.key + '"]');
    }
    if (done) event.preventDefault();
  });

  document.addEventListener("change", function (event) {  // a row ticked by mouse or touch
    if (event.target.name !== "application") return;
    var list = rows();
    for (var i = 0; i < list.length; i++) if (list[i].contains(event.target)) highlight(i);
  });

  function poll() {
    var segment = document.querySelector("#segment[data-segment]");
    if (!segment || !window.fetch) return;
    fetch("/api/segment/" + encodeURIComponent(segment.dataset.segment), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) return;
        var changed = false;
        Object.keys(state.decided).forEach(function (id) {
          var li = document.querySelector('li.suggestion[data-id="' + id + '"][data-open]');
          if (!li) return;
          li.removeAttribute("data-open");
          li.classList.remove("current");
          li.classList.add("decided", "taken");
          li.querySelector(".mark").textContent = state.decided[id];
          var radio = li.querySelector("input[type=radio]");
          if (radio) radio.remove();
          var shown = document.querySelector('#decide input[name="shown"][value="' + id + '"]');
          if (shown) shown.remove();
          changed = true;
        });
        var holder = document.getElementById("holder");
        if (holder) {
          holder.textContent = state.holder ? state.holder + " has this segment open too." : "";
          holder.classList.toggle("hidden", !state.holder);
        }
        if (changed) highlight(current);
      })
      .catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    highlight(0);
    if (document.querySelector("#segment[data-segment]")) setInterval(poll, 3000);
  });
})();
