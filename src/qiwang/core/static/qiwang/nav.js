/* On a phone the main navigation is one row that scrolls sideways: bring the current page's
   link into view (centred), so "Insights" or "Complaints" is not hidden past the right edge. */
(function () {
  var nav = document.querySelector(".mainnav");
  var active = nav && nav.querySelector("a.active");
  if (!active || nav.scrollWidth <= nav.clientWidth) return;
  var offset = active.getBoundingClientRect().left - nav.getBoundingClientRect().left;
  nav.scrollLeft += offset - (nav.clientWidth - active.offsetWidth) / 2;
})();
