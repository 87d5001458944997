/* Progressive enhancement for the face chart editor. Without this file the three forms below the chart do
   everything; with it, a click on the chart fills "Add a point" and dragging a point submits "Move a point".
   Coordinates come from the SVG's own viewBox, which is in millimetres, so no scale is guessed here. */
(function () {
  "use strict";
  var figure = document.getElementById("chart-figure");
  if (!figure) { return; }
  var svg = figure.querySelector("svg");
  var addForm = document.getElementById("chart-add");
  var moveForm = document.getElementById("chart-move");
  if (!svg || !addForm || !moveForm) { return; }
  svg.style.cursor = "crosshair";
  svg.setAttribute("data-enhanced", "true");

  function toMm(event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var mm = point.matrixTransform(svg.getScreenCTM().inverse());
    return { x: Math.round(mm.x * 10) / 10, y: Math.round(mm.y * 10) / 10 };
  }

  function set(form, name, value) {
    var field = form.querySelector('[name="' + name + '"]');
    if (field) { field.value = value; }
  }

  var dragging = null;
  svg.addEventListener("pointerdown", function (event) {
    var group = event.target.closest ? event.target.closest("g[data-point]") : null;
    if (!group) { return; }
    dragging = { group: group, circle: group.querySelector("circle"), moved: false };
    svg.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  svg.addEventListener("pointermove", function (event) {
    if (!dragging) { return; }
    var mm = toMm(event);
    dragging.circle.setAttribute("cx", mm.x);
    dragging.circle.setAttribute("cy", mm.y);
    dragging.moved = true;
  });
  svg.addEventListener("pointerup", function (event) {
    if (dragging) {
      var drag = dragging;
      dragging = null;
      if (drag.moved) {
        var mm = toMm(event);
        set(moveForm, "number", drag.group.getAttribute("data-point"));
        set(moveForm, "x_mm", mm.x);
        set(moveForm, "y_mm", mm.y);
        moveForm.submit();
      } else {
        set(moveForm, "number", drag.group.getAttribute("data-point"));
        set(document.getElementById("chart-remove"), "number", drag.group.getAttribute("data-point"));
      }
      return;
    }
    var mmAdd = toMm(event);
    set(addForm, "x_mm", mmAdd.x);
    set(addForm, "y_mm", mmAdd.y);
    var zone = event.target.getAttribute && event.target.getAttribute("data-zone");
    if (zone) { set(addForm, "zone", zone); }
    var first = addForm.querySelector('[name="x_mm"]');
    if (first) { first.focus(); }
  });
})();
