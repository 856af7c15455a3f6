// Mark the page as able to run the NHS design system's scripts (as its own template does).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '');
