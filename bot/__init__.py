"""trainingbot: Instructor Training and mentoring logistics in Slack."""
