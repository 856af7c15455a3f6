"""Small models used by the report tests (imported by conftest.py)."""

SMALL = """
name: Small system
description: An acute hospital, a rehab unit and a home care team.
start_date: 2025-04-01
warm_up_days: 0
run_days: 365
calendars:
  weekdays: {days: [mon, tue, wed, thu, fri], bank_holidays: true}
services:
  acute: {name: Acute hospital, capacity: 100, length_of_stay: {dist: exponential, mean: 5},
          cost_per_day: 400, funder: trust}
  rehab: {name: Rehab unit, capacity: 20, length_of_stay: {dist: exponential, mean: 20},
          funder: trust}
  home_care:
    name: Home care
    capacity: null
    holds_on_transfer: false
    length_of_stay: {dist: exponential, mean: 14}
    referral: {calendar: weekdays, acceptance: 0.8, rejected_handling_hours: 0.5}
    funder: council
exits:
  home: {name: Home}
  care_home: {name: Care home}
arrivals:
  front_door: {service: acute, per_day: 10}
routes:
  acute:
    - {to: home, probability: 0.5}
    - {to: rehab, probability: 0.3}
    - {to: home_care, probability: 0.2, on_reject: home}
  rehab:
    - {to: home, probability: 0.8}
    - {to: care_home, probability: 0.2}
  home_care:
    - {to: home, probability: 1.0}
"""

BOLTON_LIKE = """
name: Bolton intermediate tier (test copy)
description: A copy for report tests, shaped like the Bolton example.
start_date: 2025-04-01
warm_up_days: 60
run_days: 365
calendars:
  weekdays: {days: [mon, tue, wed, thu, fri], bank_holidays: true}
services:
  acute: {name: Royal Bolton Hospital, capacity: 160,
          length_of_stay: {dist: lognormal, mean: 6, sd: 5},
          funder: foundation_trust, record_system: trust_epr}
  darley_court:
    name: Darley Court
    capacity: 40
    length_of_stay: {dist: lognormal, mean: 32, sd: 15}
    referral: {acceptance: 0.46, rejected_handling_hours: 1}
    funder: foundation_trust
  laburnum_lodge: {name: Laburnum Lodge, capacity: 30,
                   length_of_stay: {dist: lognormal, mean: 24, sd: 10},
                   referral: {acceptance: 0.7}, funder: council}
  four_seasons: {name: 4 Seasons, capacity: 25,
                 length_of_stay: {dist: lognormal, mean: 21, sd: 8}, funder: council}
  wilfred_geere: {name: Wilfred Geere, capacity: 20,
                  length_of_stay: {dist: lognormal, mean: 35, sd: 15}, funder: council}
  imc_at_home:
    name: IMC@Home
    capacity: 60
    holds_on_transfer: false
    length_of_stay: {dist: exponential, mean: 14}
    referral: {calendar: weekdays, acceptance: 0.81, rejected_handling_hours: 0.5}
    funder: foundation_trust
  reablement: {name: Re-Ablement, capacity: 80, holds_on_transfer: false,
               length_of_stay: {dist: gamma, mean: 28, sd: 10}, funder: council}
  iv_therapy: {name: IV therapy, capacity: 15, holds_on_transfer: false,
               length_of_stay: {dist: exponential, mean: 7}, funder: foundation_trust}
exits:
  home: {name: Home}
  care_home: {name: Care home}
  died: {name: Died}
arrivals:
  acute_discharges: {service: acute, per_day: 12}
routes:
  acute:
    - {to: home, probability: 0.55}
    - {to: darley_court, probability: 0.12, on_reject: four_seasons}
    - {to: laburnum_lodge, probability: 0.06, on_reject: home}
    - {to: four_seasons, probability: 0.05}
    - {to: wilfred_geere, probability: 0.03}
    - {to: imc_at_home, probability: 0.14, on_reject: reablement}
    - {to: iv_therapy, probability: 0.03}
    - {to: died, probability: 0.02}
  darley_court:
    - {to: home, probability: 0.5}
    - {to: reablement, probability: 0.3}
    - {to: care_home, probability: 0.15}
    - {to: acute, probability: 0.05}
  laburnum_lodge:
    - {to: home, probability: 0.6}
    - {to: reablement, probability: 0.3}
    - {to: care_home, probability: 0.1}
  four_seasons:
    - {to: home, probability: 0.5}
    - {to: care_home, probability: 0.5}
  wilfred_geere:
    - {to: care_home, probability: 0.6}
    - {to: home, probability: 0.4}
  imc_at_home:
    - {to: home, probability: 0.85}
    - {to: reablement, probability: 0.1}
    - {to: acute, probability: 0.05}
  reablement:
    - {to: home, probability: 1.0}
  iv_therapy:
    - {to: home, probability: 1.0}
"""
