/* htmx under the Content-Security-Policy (ADR 0011): no <style> element injected for the request
   indicator (qiwang.css styles it), no eval, no script tags run from swapped fragments. Runs
   deferred, after htmx and before it reads a page's own <meta name="htmx-config">. */
if (window.htmx) {
  htmx.config.includeIndicatorStyles = false;
  htmx.config.allowEval = false;
  htmx.config.allowScriptTags = false;
}
