"""When people answer: the support calendar shared by the desk and the bot.

    hours = load_support_hours()
    hours.is_open(now)                 # is a person supposed to be available?
    hours.next_opening(now)            # when the next opening hour starts (now, if open)
    hours.reply_by(now, 8)             # now + 8 opening hours: the promise for an offline ticket
    hours.day(date(2026, 12, 24))      # DayHours: open intervals, or the holiday that closes it
"""

from business_hours.calendar import DayHours, SupportHours, format_day, load_support_hours

__all__ = ["DayHours", "SupportHours", "format_day", "load_support_hours"]
