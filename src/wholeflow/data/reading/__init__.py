"""Reading and mapping: event-log files into staging tables, their columns matched to fields,
activities to events, dates and times read.

Modules: readers, mapping, timestamps, vocabulary.
"""
