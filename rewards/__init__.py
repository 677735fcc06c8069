"""The grader and the reward functions."""
