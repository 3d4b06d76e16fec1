"""Monitored functions at the collector (EUS level 3): each function's latest state and
history over the ``function_results`` table, and the function specs a technician manages
centrally and the collector pushes down each agent's stream.
"""
