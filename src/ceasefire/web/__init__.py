"""The web interface: server-rendered pages over the same services as the API.

``mount(app, settings)`` (in :mod:`ceasefire.web.app`) adds the pages and ``/static`` to the
app ``create_app`` builds; the pages read through the services with the signed-in viewer, so
each shows what the one policy lets that viewer see.
"""
