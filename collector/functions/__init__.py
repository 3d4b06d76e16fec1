"""Monitored functions at the collector (EUS level 3): the function specs a technician manages
centrally and the collector pushes down each agent's stream. Each function's latest state
and history are read in :mod:`collector.tsdb.functions.queries`.
"""
