"""Pure helpers behind the web pages: tables and frames computed from public functions."""
