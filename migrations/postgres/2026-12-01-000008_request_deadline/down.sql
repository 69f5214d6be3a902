DROP FUNCTION broadsheet_deadline();
