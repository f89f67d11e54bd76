-- The daily figures added up by month, kept by triggers as each day's figure changes (whoever
-- writes it: a step's tallies, or the benchmark's generator), so that a year's /stats (and the
-- dashboard's) adds up twelve months of rows instead of 365 days of them: a year of a
-- million-issue city has 431,755 daily rows, a day's figures of every person included; summed
-- by department and measure they took 0.23 s. A period reads its whole months here and the days
-- at either end from daily_figures (storage/sqlite/metrics.py `_whole_months`).
CREATE TABLE monthly_figures (
    month      TEXT NOT NULL,  -- YYYY-MM, local, as daily_figures.day begins
    department TEXT NOT NULL,
    measure    TEXT NOT NULL,
    value      INTEGER NOT NULL,
    PRIMARY KEY (month, department, measure)
) STRICT, WITHOUT ROWID;

INSERT INTO monthly_figures (month, department, measure, value)
SELECT substr(day, 1, 7), department, measure, sum(value)
FROM daily_figures GROUP BY substr(day, 1, 7), department, measure;

CREATE TRIGGER daily_figures_added AFTER INSERT ON daily_figures BEGIN
    INSERT INTO monthly_figures (month, department, measure, value)
    VALUES (substr(NEW.day, 1, 7), NEW.department, NEW.measure, NEW.value)
    ON CONFLICT (month, department, measure) DO UPDATE SET value = value + excluded.value;
END;

CREATE TRIGGER daily_figures_changed AFTER UPDATE ON daily_figures BEGIN
    INSERT INTO monthly_figures (month, department, measure, value)
    VALUES (substr(OLD.day, 1, 7), OLD.department, OLD.measure, -OLD.value)
    ON CONFLICT (month, department, measure) DO UPDATE SET value = value + excluded.value;
    INSERT INTO monthly_figures (month, department, measure, value)
    VALUES (substr(NEW.day, 1, 7), NEW.department, NEW.measure, NEW.value)
    ON CONFLICT (month, department, measure) DO UPDATE SET value = value + excluded.value;
END;

CREATE TRIGGER daily_figures_removed AFTER DELETE ON daily_figures BEGIN
    UPDATE monthly_figures SET value = value - OLD.value
    WHERE month = substr(OLD.day, 1, 7) AND department = OLD.department
      AND measure = OLD.measure;
END;
