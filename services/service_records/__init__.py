"""Volunteer service records (志愿服务记录): confirmed service time and its certificates.

Volunteer Service Regulations art. 19-20: an organisation records each volunteer's
service truthfully (time, content, evaluation) and issues a certificate on request.
"""
