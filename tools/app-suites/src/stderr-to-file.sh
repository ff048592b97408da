#!/bin/sh
# Runs the command line it is given with its stderr appended to $APP_STDERR_FILE, so that a spec reads the log of a
# stdio app launched by a client that does not hand the child's stderr back (the OpenAI Agents SDK inherits it).
exec "$@" 2>>"$APP_STDERR_FILE"
